// The lineage of a run or an artifact version: runs and versions laid out left to right by dagre,
// drawn with React Flow. Fan-outs fold into counted clusters; clicking opens a node.
import dagre from "@dagrejs/dagre";
import type { Edge, Node, NodeProps } from "@xyflow/react";
import { Background, Controls, Handle, MarkerType, Position, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo, useState } from "react";
import { useNavigate } from "react-router-dom";
import type { LineageNode } from "../api/client";
import type { LineageStart } from "./api";
import { useLineage } from "./api";
import type { ViewNode } from "./cluster";
import { clusterGraph } from "./cluster";
import "./lineage.css";

const WIDTH = 210;
const HEIGHT = 62;

type NodeData = { view: ViewNode; start: boolean };

function subtitle(node: ViewNode): string {
  if (node.kind === "cluster") return "click to expand";
  if (node.status === "missing") return node.kind === "run" ? "run deleted" : "artifact deleted";
  if (node.kind === "run") return `${node.job_type ?? "run"} · ${node.state ?? ""}`;
  const aliases = node.aliases?.length ? ` · ${node.aliases.join(", ")}` : "";
  return `${node.type ?? "artifact"}${aliases}`;
}

function LineageNodeView({ data }: NodeProps<Node<NodeData>>) {
  const { view, start } = data;
  const status = view.kind === "cluster" ? "ok" : view.status;
  const kind = view.kind === "cluster" ? view.memberKind : view.kind;
  return (
    <div
      className={`lineage-node ${kind} status-${status}${view.kind === "cluster" ? " cluster" : ""}${start ? " start" : ""}`}
      data-node-label={view.label}
      data-node-status={status}
      title={
        status === "incomplete" && view.kind !== "cluster"
          ? `${view.missing_files} file(s) missing from the store`
          : undefined
      }
    >
      <Handle type="target" position={Position.Left} />
      <span className="lineage-icon" aria-hidden="true">
        {view.kind === "cluster" ? "⋯" : kind === "run" ? "▶" : "◆"}
      </span>
      <span className="lineage-text">
        <span className="lineage-label">{view.label}</span>
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
    const flowNodes: Node<NodeData>[] = nodes.map((node) => ({
      id: node.id,
      type: "lineage",
      position: positions.get(node.id) ?? { x: 0, y: 0 },
      data: { view: node, start: lineage.data.start.includes(node.id) },
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
    return { flowNodes, flowEdges, nodes, edges };
  }, [lineage.data, expanded]);
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
        <span className="lineage-legend">
          <i className="dot run" /> run <i className="dot artifact" /> artifact version
        </span>
      </div>
      <div className="lineage-box" style={{ height }} data-testid="lineage-graph">
        <ReactFlow
          nodes={view.flowNodes}
          edges={view.flowEdges}
          nodeTypes={NODE_TYPES}
          fitView
          fitViewOptions={{ padding: 0.15, maxZoom: 1.1 }}
          minZoom={0.2}
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
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </div>
  );
}
