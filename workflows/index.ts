// The workflows the worker registers.
export { runChain, statusQuery } from './run-chain';
export { runSegment } from './run-segment';
export { guardRule, heartbeatSignal, reportSignalsSignal, ruleOperationSignal, ruleStatusQuery, sensorStatusQuery, watchSensor } from './triggers';
