// Generates resources/icon.png (512×512 RGBA): a rounded dark tile with three candlesticks.
// Pure Node (zlib only), deterministic output. Run: node resources/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const out = join(dirname(fileURLToPath(import.meta.url)), 'icon.png');

const px = new Uint8Array(SIZE * SIZE * 4); // transparent

function inRoundedRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x >= x1 || y < y0 || y >= y1) return false;
  const cx = x < x0 + r ? x0 + r : x >= x1 - r ? x1 - r - 1 : x;
  const cy = y < y0 + r ? y0 + r : y >= y1 - r ? y1 - r - 1 : y;
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function fill(x0, y0, x1, y1, rgba, r = 0) {
  for (let y = Math.max(0, y0); y < Math.min(SIZE, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(SIZE, x1); x++) {
      if (r > 0 && !inRoundedRect(x, y, x0, y0, x1, y1, r)) continue;
      px.set(rgba, (y * SIZE + x) * 4);
    }
  }
}

const BG = [16, 20, 24, 255];
const GREEN = [38, 166, 154, 255];
const RED = [239, 83, 80, 255];

fill(16, 16, 496, 496, BG, 96);
// candles: [centre x, wick top, body top, body bottom, wick bottom, colour]
for (const [cx, wt, bt, bb, wb, c] of [
  [156, 150, 200, 330, 380, RED],
  [256, 110, 150, 300, 350, GREEN],
  [356, 90, 120, 250, 300, GREEN],
]) {
  fill(cx - 7, wt, cx + 7, wb, c, 6);
  fill(cx - 36, bt, cx + 36, bb, c, 10);
}
// baseline
fill(96, 400, 416, 412, [120, 130, 140, 255], 6);

// PNG encoding: filter byte 0 per row, zlib, chunks with CRC-32.
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0;
  Buffer.from(px.buffer, y * SIZE * 4, SIZE * 4).copy(raw, y * (SIZE * 4 + 1) + 1);
}

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
ihdr[10] = 0;
ihdr[11] = 0;
ihdr[12] = 0;

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
