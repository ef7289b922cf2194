/**
 * The live page and its assets, served by tokenmeter itself from memory: no CDN, nothing to copy next to the
 * build, works offline and in a container.
 */
import { livePageHtml } from './html.js';
import { livePageScript } from './script.js';
import { livePageCss } from './style.js';

export const livePageAssets: ReadonlyMap<string, { contentType: string; body: string }> = new Map([
  ['/', { contentType: 'text/html; charset=utf-8', body: livePageHtml }],
  ['/assets/live.js', { contentType: 'text/javascript; charset=utf-8', body: livePageScript }],
  ['/assets/live.css', { contentType: 'text/css; charset=utf-8', body: livePageCss }],
]);
