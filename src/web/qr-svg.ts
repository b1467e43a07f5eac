import encodeQR from 'qr';
import { html, type Html } from './html.ts';

// A QR code as inline SVG, drawn on the server: the page needs no script, no image request and no
// data: URL (the CSP allows neither inline styles nor data: images; SVG presentation attributes are
// no styles). The qr package encodes; the markup is built here from its module matrix, so nothing of
// the encoded text reaches the SVG but as the title, escaped.

/** The quiet zone around the symbol, in modules: four, as ISO/IEC 18004 asks for reliable scanning. */
const QUIET = 4;

export function qrSvg(text: string, o: { title: string; id?: string; pixelsPerModule?: number }): Html {
  // The matrix comes with its quiet zone of light modules around the symbol.
  const rows = encodeQR(text, 'raw', { ecc: 'medium', border: QUIET });
  const n = rows.length;
  // One path: each run of dark modules in a row is a rectangle one module high.
  let d = '';
  rows.forEach((row, y) => {
    for (let x = 0; x < n; ) {
      if (!row[x]) {
        x++;
        continue;
      }
      let end = x;
      while (end < n && row[end]) end++;
      d += `M${x} ${y}h${end - x}v1h${x - end}z`;
      x = end;
    }
  });
  const px = n * (o.pixelsPerModule ?? 4);
  const titleId = `${o.id ?? 'qr'}-title`;
  return html`<svg xmlns="http://www.w3.org/2000/svg"${o.id ? html` id="${o.id}"` : ''} class="qr" role="img" aria-labelledby="${titleId}" width="${px}" height="${px}" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges"><title id="${titleId}">${o.title}</title><rect width="${n}" height="${n}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`;
}
