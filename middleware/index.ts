export { patchwireMiddleware } from './patchwireMiddleware'
export type { PatchwireMiddlewareOptions } from './patchwireMiddleware'
