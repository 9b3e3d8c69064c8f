/** `Buffer` for an exported script, injected wherever a connector uses the Node global. */
export { Buffer } from 'buffer';
