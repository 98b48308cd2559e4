// Apart from tf-engine.ts so that declarations naming the engine do not import tfjs's types, which
// a default install (without the optional @tensorflow/tfjs) does not have.

/** Which package trained a router: recorded in its training notes. */
export type EngineName = '@tensorflow/tfjs-node' | '@tensorflow/tfjs';
