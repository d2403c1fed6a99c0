const { proxyActivities } = require('@temporalio/workflow');
const { a } = proxyActivities({ startToCloseTimeout: '10s' });
exports.w = async function w() { await a(); await a(); await a(); };
exports.w0 = async function w0() {};
const { a: la } = require('@temporalio/workflow').proxyLocalActivities({ startToCloseTimeout: '10s' });
exports.wl = async function wl() { await la(); await la(); await la(); };
