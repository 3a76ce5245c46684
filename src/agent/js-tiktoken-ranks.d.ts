// js-tiktoken publishes its ranks through package "exports", which this project's
// `moduleResolution: node` does not read; Node and Jest resolve them at run time.
declare module 'js-tiktoken/ranks/o200k_base' {
  import type { TiktokenBPE } from 'js-tiktoken/lite';

  const ranks: TiktokenBPE;
  export default ranks;
}
