// Where the lineage graph first sits in its box: as large as fits, but never so small that its
// labels drop below a legible size; centred when it fits, else on the node the user came from.

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** The smallest label a reader is asked to read, in screen pixels. */
export const LEGIBLE_PX = 11;

/**
 * The viewport showing `graph` (its nodes' bounds, in graph units) in a `width` × `height` box:
 * the zoom that fits it with `padding` around, between `legible` (labels stay readable) and
 * `maxZoom`. Along an axis where the graph fits it is centred; along one where it does not,
 * `focus` (a point of the graph) is centred, without showing empty space past the graph's edges.
 */
export function legibleViewport(
  graph: Box,
  width: number,
  height: number,
  focus: { x: number; y: number },
  { legible, maxZoom, padding }: { legible: number; maxZoom: number; padding: number },
): Viewport {
  const wide = graph.width + 2 * padding;
  const tall = graph.height + 2 * padding;
  const fitting = Math.min(width / wide, height / tall);
  const zoom = Math.min(maxZoom, Math.max(legible, fitting));
  const axis = (size: number, start: number, extent: number, point: number) => {
    const span = (extent + 2 * padding) * zoom;
    const first = (start - padding) * zoom;
    if (span <= size) return (size - span) / 2 - first;
    // Keep the focus in the middle, but the graph's ends at the box's edges at most.
    const centred = size / 2 - point * zoom;
    return Math.min(-first, Math.max(size - first - span, centred));
  };
  return {
    x: axis(width, graph.x, graph.width, focus.x),
    y: axis(height, graph.y, graph.height, focus.y),
    zoom,
  };
}
