// The lineage of a run or an artifact version: runs and versions laid out left to right by dagre,
// drawn with React Flow. Fan-outs fold into counted clusters; clicking opens a node. The graph
// opens at a zoom where every label is legible (panning when it does not fit), each label shows
// what tells it apart from the others, and hovering a node gives its full name.
import dagre from "@dagrejs/dagre";
import type { Edge, Node, NodeProps, ReactFlowInstance } from "@xyflow/react";
import { Background, Controls, Handle, MarkerType, Position, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router-dom";
import type { LineageNode } from "../api/client";
import type { LineageStart } from "./api";
import { useLineage } from "./api";
import type { ViewNode } from "./cluster";
import { clusterGraph } from "./cluster";
import { LEGIBLE_PX, legibleViewport } from "./fit";
import { displayLabels } from "./labels";
import "./lineage.css";

// Keep in step with .lineage-node in lineage.css.
const WIDTH = 230;
const HEIGHT = 62;
const LABEL_PX = 13;
/** Room for the label: the node less its padding, borders, icon and gap. */
const LABEL_WIDTH = WIDTH - 24 - 5 - 14 - 10;
const MAX_ZOOM = 1.1;
const PADDING = 24;

type NodeData = { view: ViewNode; start: boolean; shown: string };

/** Measures text in the labels' font, so a shortened label is as long as fits and no longer. */
function labelFits(): (text: string) => boolean {
  const context = document.createElement("canvas").getContext("2d");
  if (!context) return (text) => text.length * LABEL_PX * 0.6 <= LABEL_WIDTH;
  context.font = `600 ${LABEL_PX}px ${getComputedStyle(document.body).fontFamily}`;
  return (text) => context.measureText(text).width <= LABEL_WIDTH;
}

function subtitle(node: ViewNode): string {
  if (node.kind === "cluster") return "click to expand";
  if (node.status === "missing") return node.kind === "run" ? "run deleted" : "artifact deleted";
  if (node.kind === "run") return `${node.job_type ?? "run"} · ${node.state ?? ""}`;
  const aliases = node.aliases?.length ? ` · ${node.aliases.join(", ")}` : "";
  return `${node.type ?? "artifact"}${aliases}`;
}

function LineageNodeView({ data }: NodeProps<Node<NodeData>>) {
  const { view, start, shown } = data;
  const status = view.kind === "cluster" ? "ok" : view.status;
  const kind = view.kind === "cluster" ? view.memberKind : view.kind;
  const missing =
    status === "incomplete" && view.kind !== "cluster" ? `\n${view.missing_files} file(s) missing from the store` : "";
  return (
    <div
      className={`lineage-node ${kind} status-${status}${view.kind === "cluster" ? " cluster" : ""}${start ? " start" : ""}`}
      data-node-label={view.label}
      data-node-status={status}
      title={`${view.label}\n${subtitle(view)}${missing}`}
    >
      <Handle type="target" position={Position.Left} />
      <span className="lineage-icon" aria-hidden="true">
        {view.kind === "cluster" ? "⋯" : kind === "run" ? "▶" : "◆"}
      </span>
      <span className="lineage-text">
        <span className="lineage-label">{shown}</span>
        <span className="lineage-sub">{status === "incomplete" ? "files missing" : subtitle(view)}</span>
      </span>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

const NODE_TYPES = { lineage: LineageNodeView };

function layout(nodes: ViewNode[], edges: { source: string; target: string }[]): Map<string, { x: number; y: number }> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 70, marginx: 10, marginy: 10 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { width: WIDTH, height: HEIGHT });
  for (const edge of edges) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  const positions = new Map<string, { x: number; y: number }>();
  for (const node of nodes) {
    const placed = graph.node(node.id);
    positions.set(node.id, { x: placed.x - WIDTH / 2, y: placed.y - HEIGHT / 2 });
  }
  return positions;
}

function target(project: string, node: LineageNode): string | null {
  if (node.status === "missing") return null;
  if (node.kind === "run" && node.run_id)
    return `/projects/${encodeURIComponent(node.project ?? project)}/runs/${encodeURIComponent(node.run_id)}`;
  if (node.kind === "artifact" && node.name && node.version) {
    return `/projects/${encodeURIComponent(node.project ?? project)}/artifacts/${encodeURIComponent(node.name)}/${node.version}`;
  }
  return null;
}

interface Placed {
  bounds: { x: number; y: number; width: number; height: number };
  focus: { x: number; y: number };
}

/**
 * Puts the graph at its legible fit (fit.ts) when it is drawn, when its nodes change and when its
 * box changes size, until the reader pans or zooms it; the fit button puts it back.
 */
function usePlacement(view: Placed | null) {
  const box = useRef<HTMLDivElement>(null);
  const [flow, setFlow] = useState<ReactFlowInstance | null>(null);
  // Whether the whole graph shows at a legible zoom; null until it has been placed.
  const [fits, setFits] = useState<boolean | null>(null);
  const moved = useRef(false);
  const place = useCallback(() => {
    const element = box.current;
    if (!flow || !view || !element?.clientWidth) return;
    const viewport = legibleViewport(view.bounds, element.clientWidth, element.clientHeight, view.focus, {
      legible: LEGIBLE_PX / LABEL_PX,
      maxZoom: MAX_ZOOM,
      padding: PADDING,
    });
    moved.current = false;
    setFits(
      (view.bounds.width + 2 * PADDING) * viewport.zoom <= element.clientWidth + 1 &&
        (view.bounds.height + 2 * PADDING) * viewport.zoom <= element.clientHeight + 1,
    );
    void flow.setViewport(viewport);
  }, [flow, view]);
  useEffect(() => {
    place();
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      if (!moved.current) place();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [place]);
  return {
    box,
    fits,
    place,
    onInit: setFlow,
    // Only a reader's gesture carries an event; our own setViewport does not.
    onMoveStart: (event: unknown) => {
      if (event) moved.current = true;
    },
  };
}

/** The graph around `start`, `depth` edges out. */
export function LineageGraph({
  project,
  start,
  depth = 10,
  height = 460,
}: {
  project: string;
  start: LineageStart;
  depth?: number;
  height?: number;
}) {
  const lineage = useLineage(project, start, depth);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const navigate = useNavigate();
  const view = useMemo(() => {
    if (!lineage.data) return null;
    const { nodes, edges } = clusterGraph(lineage.data.nodes, lineage.data.edges, lineage.data.start, expanded);
    const positions = layout(nodes, edges);
    const shown = displayLabels(
      nodes.map((node) => node.label),
      labelFits(),
    );
    const flowNodes: Node<NodeData>[] = nodes.map((node, i) => ({
      id: node.id,
      type: "lineage",
      position: positions.get(node.id) ?? { x: 0, y: 0 },
      data: { view: node, start: lineage.data.start.includes(node.id), shown: shown[i] ?? node.label },
      draggable: false,
      connectable: false,
    }));
    const flowEdges: Edge[] = edges.map((edge) => ({
      id: `${edge.source}->${edge.target}`,
      source: edge.source,
      target: edge.target,
      ariaLabel: `${edge.kind === "output" ? "logged" : "used by"}`,
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      className: `lineage-edge ${edge.kind}`,
    }));
    const xs = flowNodes.map((n) => n.position.x);
    const ys = flowNodes.map((n) => n.position.y);
    const bounds = {
      x: Math.min(...xs),
      y: Math.min(...ys),
      width: Math.max(...xs) + WIDTH - Math.min(...xs),
      height: Math.max(...ys) + HEIGHT - Math.min(...ys),
    };
    const first = flowNodes.find((n) => n.data.start) ?? flowNodes[0];
    const focus = first
      ? { x: first.position.x + WIDTH / 2, y: first.position.y + HEIGHT / 2 }
      : { x: bounds.x, y: bounds.y };
    return { flowNodes, flowEdges, nodes, edges, bounds, focus };
  }, [lineage.data, expanded]);
  const placement = usePlacement(view);
  if (lineage.isPending)
    return (
      <div className="lineage-box muted" style={{ height }}>
        Loading lineage…
      </div>
    );
  if (lineage.isError)
    return (
      <div className="lineage-box problem" role="alert">
        {lineage.error.message}
      </div>
    );
  if (!view) return null;
  const missing = lineage.data.nodes.filter((n) => n.status !== "ok");
  return (
    <div className="lineage">
      <div className="lineage-meta muted">
        <span data-testid="lineage-counts">
          {lineage.data.nodes.length} nodes · {lineage.data.edges.length} edges
        </span>
        {missing.length > 0 && <span className="lineage-warning">{missing.length} missing or incomplete</span>}
        {expanded.size > 0 && (
          <button type="button" className="button ghost" onClick={() => setExpanded(new Set())}>
            Collapse groups
          </button>
        )}
        {placement.fits === false && (
          <span className="lineage-hint" data-testid="lineage-hint">
            Drag to see the rest · − zooms out
          </span>
        )}
        <span className="lineage-legend">
          <i className="dot run" /> run <i className="dot artifact" /> artifact version
        </span>
      </div>
      <div
        className="lineage-box"
        style={{ height }}
        data-testid="lineage-graph"
        data-fits={placement.fits ?? undefined}
        ref={placement.box}
      >
        <ReactFlow
          nodes={view.flowNodes}
          edges={view.flowEdges}
          nodeTypes={NODE_TYPES}
          onInit={placement.onInit}
          onMoveStart={placement.onMoveStart}
          minZoom={0.2}
          maxZoom={2}
          nodesDraggable={false}
          nodesConnectable={false}
          proOptions={{ hideAttribution: true }}
          onNodeClick={(_, node) => {
            const data = node.data as NodeData;
            if (data.view.kind === "cluster") {
              setExpanded(new Set([...expanded, data.view.id]));
              return;
            }
            const url = target(project, data.view);
            if (url) navigate(url);
          }}
        >
          <Background gap={20} size={1} color="#e5e7eb" />
          <Controls showInteractive={false} onFitView={placement.place} />
        </ReactFlow>
      </div>
    </div>
  );
}
