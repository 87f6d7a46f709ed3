// Cells of an ungrouped table: numbers, text, lists, images, and joined cells with one value per run.
import { memo, useState } from "react";
import { formatValue } from "../lib/format";
import type { ColumnInfo, ImageCell } from "./api";
import type { CellBox } from "./rowLayout";
import { tileImages } from "./rowLayout";

/** Space between the images of a joined cell, and beside the run dots of a value shown once. */
const IMAGE_GAP = 4;
const RUN_DOTS = 5 + 6;

/**
 * The image in a cell of an image column, or null for an empty cell. The column's type says which
 * cells are images; a value that merely has an image's keys is not one.
 */
export function imageOf(value: unknown): ImageCell | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as ImageCell) : null;
}

/** The URL of an image scaled to fit `size` pixels (browsers cannot show every stored format). */
export function imageSrc(image: ImageCell, size: number): string {
  return `/api/media/${image.sha256}/thumbnail?size=${size}`;
}

/** A thumbnail that loads when it scrolls into view; a broken image shows a placeholder. */
export const Thumb = memo(function Thumb({
  image,
  size,
  onOpen,
  border,
}: {
  image: ImageCell;
  size: number;
  onOpen?: (image: ImageCell) => void;
  border?: string;
}) {
  const [broken, setBroken] = useState(false);
  const box = { width: size, height: size, borderColor: border };
  if (broken) {
    return (
      <span
        className="thumb broken"
        style={box}
        title={`image ${image.sha256.slice(0, 12)} cannot be shown`}
        data-broken="true"
      >
        <svg viewBox="0 0 24 24" width={Math.min(20, size * 0.6)} height={Math.min(20, size * 0.6)} aria-hidden="true">
          <path d="M4 5h16v14H4z M4 15l5-5 4 4 3-3 4 4" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <path d="M3 3l18 18" stroke="currentColor" strokeWidth="1.6" />
        </svg>
      </span>
    );
  }
  const fit = Math.max(32, Math.min(512, Math.ceil(size * (window.devicePixelRatio || 1))));
  return (
    <button
      type="button"
      className="thumb"
      style={box}
      onClick={onOpen ? () => onOpen(image) : undefined}
      title={image.caption ?? undefined}
    >
      <img
        src={imageSrc(image, fit <= 64 ? 64 : fit <= 128 ? 128 : fit <= 256 ? 256 : 512)}
        alt={image.caption ?? "image"}
        loading="lazy"
        decoding="async"
        draggable={false}
        onError={() => setBroken(true)}
      />
    </button>
  );
});

function numberClass(value: unknown): string {
  return typeof value === "number" ? " num" : "";
}

/** A scalar value (not per-run); an image is drawn at `thumb` px, or smaller to fit `box`. */
export function Scalar({
  value,
  column,
  thumb,
  box,
  onOpen,
}: {
  value: unknown;
  column: ColumnInfo;
  thumb: number;
  box: CellBox;
  onOpen: (image: ImageCell) => void;
}) {
  if (value === null || value === undefined) return <span className="cell-null">–</span>;
  if (column.type === "image") {
    const image = imageOf(value);
    const size = Math.max(1, Math.min(thumb, box.width, box.height));
    return image ? <Thumb image={image} size={size} onOpen={onOpen} /> : <span className="cell-null">–</span>;
  }
  if (column.type === "list" && Array.isArray(value)) {
    const shown = value
      .slice(0, 12)
      .map((v) => formatValue(v))
      .join(", ");
    return (
      <span className="cell-text cell-list" title={value.length > 12 ? `${value.length} items` : undefined}>
        [{shown}
        {value.length > 12 ? `, … ${value.length - 12} more` : ""}]
      </span>
    );
  }
  const text = formatValue(value);
  return (
    <span className={`cell-text${numberClass(value)}`} title={text.length > 24 ? text : undefined}>
      {text}
    </span>
  );
}

/**
 * A joined cell: each run's value in that run's color, one line per run (the row is laid out to
 * hold them: rowLayout); identical values are shown once. Different images tile the cell whole.
 */
export function PerRun({
  values,
  column,
  colors,
  thumb,
  box,
  onOpen,
}: {
  values: unknown[];
  column: ColumnInfo;
  colors: string[];
  thumb: number;
  box: CellBox;
  onOpen: (image: ImageCell) => void;
}) {
  // Images compare by content hash: the same picture in every run is drawn once.
  const identity = (v: unknown) => (column.type === "image" ? (imageOf(v)?.sha256 ?? null) : JSON.stringify(v));
  const same = values.length > 1 && values.every((v) => identity(v) === identity(values[0]));
  if (same) {
    return (
      <span className="per-run same" data-runs={values.length}>
        <span className="run-dots">
          {values.map((_, i) => (
            <span key={i} className="run-dot" style={{ background: colors[i % colors.length] }} />
          ))}
        </span>
        <Scalar
          value={values[0]}
          column={{ ...column, runs: undefined }}
          thumb={thumb}
          box={{ width: box.width - RUN_DOTS, height: box.height }}
          onOpen={onOpen}
        />
      </span>
    );
  }
  const scalar = { ...column, runs: undefined };
  if (column.type === "image") {
    const tiles = tileImages(values.length, box.width, box.height, IMAGE_GAP);
    const size = Math.min(thumb, tiles.size);
    return (
      <span
        className="per-run images"
        style={{ gridTemplateColumns: `repeat(${tiles.columns}, ${size}px)`, gap: IMAGE_GAP }}
      >
        {values.map((value, i) => {
          const image = imageOf(value);
          return image ? (
            <Thumb key={i} image={image} size={size} onOpen={onOpen} border={colors[i % colors.length]} />
          ) : (
            <span key={i} className="cell-null">
              –
            </span>
          );
        })}
      </span>
    );
  }
  const numeric = column.type === "float" || column.type === "int";
  return (
    <span className="per-run">
      {values.map((value, i) => (
        <span key={i} className="run-value" data-run={i}>
          <span className="run-bar" style={{ background: colors[i % colors.length] }} />
          {numeric && typeof value === "number" && value >= 0 && value <= 1 ? (
            <span className="run-meter" title={formatValue(value)}>
              <span style={{ width: `${value * 100}%`, background: colors[i % colors.length] }} />
            </span>
          ) : null}
          <Scalar value={value} column={scalar} thumb={thumb} box={box} onOpen={onOpen} />
        </span>
      ))}
    </span>
  );
}

/** Any cell of an ungrouped table, drawn inside its content `box`. */
export function ValueCell({
  value,
  column,
  colors,
  thumb,
  box,
  onOpen,
}: {
  value: unknown;
  column: ColumnInfo;
  colors: string[];
  thumb: number;
  box: CellBox;
  onOpen: (image: ImageCell) => void;
}) {
  if (column.runs && Array.isArray(value))
    return <PerRun values={value} column={column} colors={colors} thumb={thumb} box={box} onOpen={onOpen} />;
  return <Scalar value={value} column={column} thumb={thumb} box={box} onOpen={onOpen} />;
}
