// Brings tfjs-core's chained tensor methods (x.add(y), x.sum(1), …) into the types; the runtime registers them already.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
