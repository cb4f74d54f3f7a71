/** A promise together with the functions that settle it (Promise.withResolvers, absent in Node 20). */
export interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * `quiet`: a rejection nobody listens for is expected (a batch whose waiters are gone) and
 * must not surface as an unhandled rejection.
 */
export function deferred(quiet = false): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (quiet) promise.catch(() => undefined);
  return { promise, resolve, reject };
}
