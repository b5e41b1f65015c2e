// tfjs-core with every op's gradient and the chained tensor methods registered (side effects of the union package).
import '@tensorflow/tfjs';
export * from '@tensorflow/tfjs-core';
