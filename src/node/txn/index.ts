export { prepareWrite, isWriteRequest, isReadRequest, sequenceSuffix } from './prepare.js';
export type { PrepareContext, PrepareConfig, WriteRequest } from './prepare.js';
export { PendingChanges } from './pending-changes.js';
export { Overlay, applyToView, changesOf } from './view.js';
export type { NodeView, PendingView, Change } from './view.js';
export { writeResponse } from './write-response.js';
