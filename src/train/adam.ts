// Adam's settings (Kingma & Ba 2015), apart from the trainer so that backends can build their own Adam from them.
export interface AdamArgs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamArgs = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
