/**
 * The part of the WebAssembly JS API that the Node code uses (the kernels in shared and train).
 * Node has it built in, but TypeScript declares it only in lib.dom (microsoft/TypeScript#47381)
 * and @types/node 20 not at all; this spares the Node config all of DOM for three classes.
 * Names and shapes follow lib.dom's, so code checks the same either way.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  var Memory: { prototype: Memory; new (descriptor: MemoryDescriptor): Memory };

  // biome-ignore lint/complexity/noBannedTypes: lib.dom's Module is an empty interface (an opaque handle); this must match it
  type Module = {};
  var Module: { prototype: Module; new (bytes: ArrayBufferView | ArrayBuffer): Module };

  type Imports = Record<string, Record<string, unknown>>;
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  var Instance: { prototype: Instance; new (module: Module, importObject?: Imports): Instance };
}
