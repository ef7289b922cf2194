// The one place for the OTLP data model and its codecs.
export * from './model.js';
