import { describe, expect, it } from "vitest";
import type { LineageEdge, LineageNode } from "../api/client";
import { clusterGraph } from "./cluster";

const run = (id: string, job: string): LineageNode => ({
  id,
  kind: "run",
  status: "ok",
  depth: 1,
  label: id,
  job_type: job,
  aliases: [],
  missing_files: 0,
});
const art = (id: string): LineageNode => ({
  id,
  kind: "artifact",
  status: "ok",
  depth: 0,
  label: id,
  name: "split",
  type: "data",
  aliases: [],
  missing_files: 0,
});

describe("clusterGraph", () => {
  const nodes = [
    art("artifact:s"),
    ...Array.from({ length: 6 }, (_, i) => run(`run:${i}`, "train")),
    run("run:x", "eval"),
  ];
  const edges: LineageEdge[] = nodes.slice(1).map((n) => ({ source: "artifact:s", target: n.id, kind: "input" }));

  it("folds a fan-out of same-kind runs into one counted node with one edge", () => {
    const graph = clusterGraph(nodes, edges, ["artifact:s"], new Set());
    const cluster = graph.nodes.find((n) => n.kind === "cluster");
    expect(cluster?.label).toBe("6 train runs");
    expect(graph.nodes).toHaveLength(3);
    expect(graph.edges).toHaveLength(2);
  });

  it("leaves small groups, start nodes and expanded clusters alone", () => {
    const folded = clusterGraph(nodes, edges, ["artifact:s"], new Set());
    const cluster = folded.nodes.find((n) => n.kind === "cluster");
    expect(cluster).toBeDefined();
    const id = cluster?.id ?? "";
    const open = clusterGraph(nodes, edges, ["artifact:s"], new Set([id]));
    expect(open.nodes).toHaveLength(8);
    expect(open.edges).toHaveLength(7);
    expect(clusterGraph(nodes, edges, [], new Set(), 10).nodes).toHaveLength(8);
  });
});
