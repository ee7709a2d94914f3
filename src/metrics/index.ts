export {
  type MetricsContext,
  type MetricsMiddleware,
  type MetricsMiddlewareOptions,
  type MetricsSource,
  metricsHandler,
  metricsMiddleware,
} from './koa.js';
export {
  DEFAULT_DURATION_BUCKETS,
  type MqttMetrics,
  type MqttMetricsOptions,
  mqttMetrics,
} from './prometheus.js';
