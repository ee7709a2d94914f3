/** User properties of an error reply: the error's message (one line, no stack) and code. */
export const REPLY_ERROR_PROPERTY = 'koa-mqtt-error';
export const REPLY_ERROR_CODE_PROPERTY = 'koa-mqtt-error-code';
