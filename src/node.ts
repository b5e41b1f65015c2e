// Node entry: offers the native backend (N-API addon with latentkit's own kernels) to the backend selector.
import { offerBackend } from './backend/select.js';
import { NativeAdam } from './backend/native/adam.js';
import { NATIVE, registerNative } from './backend/native/register.js';

offerBackend({
  name: NATIVE,
  register: async () => {
    const result = registerNative();
    return 'addon' in result ? { registered: true } : { registered: false, reason: result.reason };
  },
  createAdam: (args) => {
    const result = registerNative();
    if (!('addon' in result)) throw new Error(result.reason);
    return new NativeAdam(result.addon, args);
  },
});
