// A full image with its caption, boxes and masks drawn over it, each class toggled on or off; beside
// it the row it came from, and previous/next through the rows of the page it was opened from.
import { useEffect, useMemo, useRef, useState } from "react";
import { PALETTE } from "../lib/colors";
import { formatValue } from "../lib/format";
import type { ImageCell, QueryResult } from "./api";
import { imageSrc } from "./cells";
import { viewerStops } from "./viewerStops";
import "./imageViewer.css";

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  relative?: boolean;
  class_id?: number;
  score?: number;
  caption?: string;
}
interface Mask {
  sha256: string;
  width: number;
  height: number;
  name?: string;
}
interface Overlays {
  boxes?: Box[];
  masks?: Mask[];
  classes?: Record<string, string>;
}

function parseOverlays(text: string | null | undefined): Overlays {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Overlays) : {};
  } catch {
    return {};
  }
}

const colorOf = (classId: number) => PALETTE[Math.abs(classId) % PALETTE.length] ?? PALETTE[0];

function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A class-id mask painted in class colors, skipping hidden classes. */
function MaskLayer({ mask, hidden }: { mask: Mask; hidden: Set<number> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const image = new Image();
    image.onload = () => {
      const el = canvas.current;
      const ctx = el?.getContext("2d", { willReadFrequently: true });
      if (!el || !ctx) return;
      el.width = image.naturalWidth;
      el.height = image.naturalHeight;
      ctx.drawImage(image, 0, 0);
      const pixels = ctx.getImageData(0, 0, el.width, el.height);
      const data = pixels.data;
      for (let i = 0; i < data.length; i += 4) {
        const classId = data[i] ?? 0;
        if (classId === 0 || hidden.has(classId)) {
          data[i + 3] = 0;
          continue;
        }
        const [r, g, b] = hexRgb(colorOf(classId));
        data[i] = r;
        data[i + 1] = g;
        data[i + 2] = b;
        data[i + 3] = 130;
      }
      ctx.putImageData(pixels, 0, 0);
    };
    image.src = `/api/media/${mask.sha256}`;
  }, [mask.sha256, hidden]);
  return <canvas ref={canvas} className="overlay-layer" />;
}

export interface ImageViewerProps {
  /** The image opened: an object taken from `result`, so its row can be found. */
  image: ImageCell;
  /** The page the image was opened from (its rows are what previous/next step through). */
  result?: QueryResult | null;
  /** The runs' colours, in the order of a joined row's values. */
  colors?: string[];
  onClose: () => void;
}

export function ImageViewer({ image: opened, result, colors = [], onClose }: ImageViewerProps) {
  const { stops, index: openedAt } = useMemo(() => viewerStops(result, opened), [result, opened]);
  const [at, setAt] = useState(openedAt);
  const stop = stops[Math.min(at, stops.length - 1)] ?? stops[0];
  const image = stop?.image ?? opened;
  const labels = result?.labels ?? [];
  const dialog = useRef<HTMLDivElement>(null);
  const overlays = useMemo(() => parseOverlays(image.overlays), [image.overlays]);
  const [hidden, setHidden] = useState<Set<number>>(new Set());
  const [broken, setBroken] = useState(false);
  const step = (by: number) => {
    setAt((current) => Math.max(0, Math.min(stops.length - 1, current + by)));
    setBroken(false);
  };
  useEffect(() => {
    // Focus moves into the dialog, so the keys below work at once; it returns where it was.
    const before = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    return () => before?.focus?.();
  }, []);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
      else if (event.key === "ArrowLeft") step(-1);
      else if (event.key === "ArrowRight") step(1);
      else return;
      event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  });
  const classIds = useMemo(() => {
    const ids = new Set<number>(Object.keys(overlays.classes ?? {}).map(Number));
    for (const box of overlays.boxes ?? []) if (box.class_id !== undefined) ids.add(box.class_id);
    return [...ids].filter((id) => Number.isFinite(id)).sort((a, b) => a - b);
  }, [overlays]);
  const name = (id: number) => overlays.classes?.[String(id)] ?? `class ${id}`;
  const toggle = (id: number) => {
    const next = new Set(hidden);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setHidden(next);
  };
  const w = image.width || 1;
  const h = image.height || 1;
  const scale = Math.min(1, 820 / Math.max(w, h));
  const display = { width: Math.max(160, Math.round(w * scale * (w < 200 ? 4 : 1))), height: 0 };
  display.height = Math.round((display.width / w) * h);
  return (
    <div className="modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="modal image-viewer" role="dialog" aria-label="Image" tabIndex={-1} ref={dialog}>
        <div className="viewer-stage" style={{ width: display.width, height: display.height }}>
          {broken ? (
            <div className="thumb broken" style={{ width: display.width, height: display.height }}>
              image cannot be shown
            </div>
          ) : (
            <img
              src={imageSrc(image, Math.min(2048, Math.max(64, Math.max(w, h))))}
              alt={image.caption ?? "image"}
              width={display.width}
              height={display.height}
              onError={() => setBroken(true)}
            />
          )}
          {(overlays.masks ?? []).map((mask) => (
            <MaskLayer key={mask.sha256} mask={mask} hidden={hidden} />
          ))}
          <svg aria-hidden="true" className="overlay-layer" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none">
            {(overlays.boxes ?? []).map((box, i) => {
              if (box.class_id !== undefined && hidden.has(box.class_id)) return null;
              const k = box.relative === false ? [1, 1] : [w, h];
              const color = colorOf(box.class_id ?? i);
              return (
                <g key={i} data-class={box.class_id}>
                  <rect
                    x={box.x0 * (k[0] ?? 1)}
                    y={box.y0 * (k[1] ?? 1)}
                    width={(box.x1 - box.x0) * (k[0] ?? 1)}
                    height={(box.y1 - box.y0) * (k[1] ?? 1)}
                    fill="none"
                    stroke={color}
                    strokeWidth={Math.max(w, h) / 200}
                    vectorEffect="non-scaling-stroke"
                  />
                </g>
              );
            })}
          </svg>
        </div>
        <div className="viewer-side">
          {stops.length > 1 && (
            <div className="viewer-nav">
              <button
                type="button"
                className="button small"
                aria-label="Previous image"
                disabled={at <= 0}
                onClick={() => step(-1)}
              >
                ←
              </button>
              <span className="viewer-position" data-testid="viewer-position">
                {at + 1} of {stops.length} on this page
              </span>
              <button
                type="button"
                className="button small"
                aria-label="Next image"
                disabled={at >= stops.length - 1}
                onClick={() => step(1)}
              >
                →
              </button>
            </div>
          )}
          {stop?.where && <div className="viewer-where">{stop.where}</div>}
          {image.caption && <div className="viewer-caption">{image.caption}</div>}
          <div className="muted small">
            {image.width}×{image.height} · {image.format} · <code>{image.sha256.slice(0, 12)}</code>
          </div>
          {classIds.length > 0 && (
            <div className="class-toggles" role="group" aria-label="Classes">
              {classIds.map((id) => (
                <label key={id} className="class-toggle">
                  <input type="checkbox" checked={!hidden.has(id)} onChange={() => toggle(id)} />
                  <span className="swatch" style={{ background: colorOf(id) }} /> {name(id)}
                </label>
              ))}
            </div>
          )}
          {stop && stop.cells.length > 0 && (
            <table className="viewer-cells" aria-label="Row">
              <tbody>
                {stop.cells.map((cell) => (
                  <tr key={cell.name} data-column={cell.name}>
                    <th scope="row">{cell.name}</th>
                    <td>
                      {cell.values.length === 1 ? (
                        formatValue(cell.values[0])
                      ) : (
                        <ul className="viewer-runs">
                          {cell.values.map((value, run) => (
                            <li key={run} title={labels[run]}>
                              <span className="swatch" style={{ background: colors[run] ?? "#888" }} />
                              {formatValue(value)}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="modal-actions">
            <a className="button" href={`/api/media/${image.sha256}`} download>
              Download original
            </a>
            <button type="button" className="button primary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}
