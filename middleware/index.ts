export type { PatchwireMiddlewareOptions } from './patchwireMiddleware'
export { patchwireMiddleware } from './patchwireMiddleware'
