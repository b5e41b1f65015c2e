// Node entry: offers the native backend (N-API addon + BLAS) to the backend selector.
import { offerNativeBackend } from './backend/select.js';
import { NativeAdam } from './backend/native/adam.js';
import { NATIVE, registerNative } from './backend/native/register.js';

offerNativeBackend({
  name: NATIVE,
  register: () => {
    const result = registerNative();
    return 'addon' in result ? { registered: true } : { registered: false, reason: result.reason };
  },
  createAdam: (args) => {
    const result = registerNative();
    if (!('addon' in result)) throw new Error(result.reason);
    return new NativeAdam(result.addon, args);
  },
});
