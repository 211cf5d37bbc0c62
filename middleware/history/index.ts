export type { UndoHistory, UndoHistoryOptions } from './types'
export { undoHistory } from './undoHistory'
