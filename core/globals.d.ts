// The only host globals core/ may use: the WHATWG text codecs, present in
// Node, browsers and Electron alike. Nothing else from Node or the DOM.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
