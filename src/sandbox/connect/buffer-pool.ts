/**
 * A few large buffers used again and again. A page of contacts is half a megabyte; a new
 * buffer for each costs page faults on fresh memory and, through V8's accounting of
 * external memory, full garbage collections of the whole data set.
 */

export interface BufferPool {
  /** A buffer of at least `size` bytes (contents undefined). */
  acquire(size: number): Buffer;
  /** Takes a buffer back (or any view of it); it must no longer be read or written. */
  release(buffer: Buffer): void;
}

/** Free buffers kept: enough for the pages of a few connections in flight. */
const KEEP = 4;
/** Larger buffers are left to the garbage collector. */
const LARGEST = 16 * 1024 * 1024;
/** Buffers are at least this large, so that they do not come from Node's shared slab. */
const SMALLEST = 64 * 1024;

/** Creates an empty pool. */
export function createBufferPool(): BufferPool {
  const free: ArrayBuffer[] = [];
  return {
    acquire(size) {
      for (let index = 0; index < free.length; index++) {
        if (free[index]!.byteLength >= size) return Buffer.from(free.splice(index, 1)[0]!);
      }
      // Room to grow a little, so that a page slightly larger than the last one fits.
      return Buffer.allocUnsafeSlow(Math.max(SMALLEST, Math.ceil(size * 1.25)));
    },
    release(buffer) {
      const whole = buffer.buffer;
      if (!(whole instanceof ArrayBuffer) || whole.byteLength < SMALLEST || whole.byteLength > LARGEST || free.includes(whole)) return;
      if (free.length >= KEEP) free.shift();
      free.push(whole);
    },
  };
}
