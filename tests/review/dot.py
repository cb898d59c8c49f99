"""A small reader of the Graphviz source `python -m review diagram` writes: clusters, nodes, edges."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(->|--|[{}\[\]=;,])|([^\s{}\[\]=;,"]+))', re.S)


@dataclass
class Cluster:
    name: str
    attrs: dict = field(default_factory=dict)
    nodes: dict = field(default_factory=dict)      # id -> attrs
    clusters: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.attrs.get("label", "")

    def walk(self, path=()):
        yield self, path
        for c in self.clusters:
            yield from c.walk(path + (self,))

    def all_nodes(self) -> dict:
        out = dict(self.nodes)
        for c in self.clusters:
            out.update(c.all_nodes())
        return out


@dataclass
class Graph:
    root: Cluster
    edges: list   # (source id, target id, attrs)

    def cluster(self, label_part: str) -> Cluster:
        found = [c for c, _ in self.root.walk() if label_part in c.label]
        assert len(found) == 1, f"{len(found)} clusters with {label_part!r}: {[c.label for c in found]}"
        return found[0]

    def clusters(self, label_part: str) -> list[Cluster]:
        return [c for c, _ in self.root.walk() if label_part in c.label]

    def path_of(self, cluster: Cluster) -> list[str]:
        return next([p.label for p in path] for c, path in self.root.walk() if c is cluster)

    def nodes(self, label_part: str) -> list[str]:
        return [n for n, attrs in self.root.all_nodes().items() if label_part in attrs.get("label", "")]

    def label(self, node: str) -> str:
        return self.root.all_nodes()[node].get("label", "")

    def edges_labelled(self, label_part: str) -> list[tuple[str, str, dict]]:
        return [e for e in self.edges if label_part in e[2].get("label", "")]


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ValueError(f"cannot read DOT at {text[pos:pos + 40]!r}")
        pos = m.end()
        if m[1] is not None:
            out.append(("str", m[1][1:-1].replace('\\"', '"')))
        elif m[2] is not None:
            out.append(("op", m[2]))
        elif m[3] is not None:
            out.append(("id", m[3]))
    return out


def parse(text: str) -> Graph:
    tokens = _tokens(text)
    i = 0

    def take():
        nonlocal i
        i += 1
        return tokens[i - 1]

    def attrs() -> dict:
        out = {}
        assert take() == ("op", "[")
        while tokens[i] != ("op", "]"):
            key = take()[1]
            assert take() == ("op", "=")
            out[key] = take()[1]
            if tokens[i] in (("op", ","), ("op", ";")):
                take()
        take()
        return out

    edges = []

    def body(cluster: Cluster) -> None:
        assert take() == ("op", "{")
        while tokens[i] != ("op", "}"):
            kind, value = take()
            if value == ";":
                continue
            if kind == "id" and value == "subgraph":
                child = Cluster(take()[1])
                cluster.clusters.append(child)
                body(child)
            elif kind == "id" and value in ("graph", "node", "edge") and tokens[i] == ("op", "["):
                a = attrs()
                if value == "graph":
                    cluster.attrs.update(a)
            elif tokens[i] == ("op", "->"):
                take()
                target = take()[1]
                edges.append((value, target, attrs() if tokens[i] == ("op", "[") else {}))
            else:
                cluster.nodes[value] = attrs() if tokens[i] == ("op", "[") else {}
        take()

    while tokens[i][1] in ("strict", "digraph", "graph"):
        take()
    root = Cluster(take()[1]) if tokens[i] != ("op", "{") else Cluster("")
    body(root)
    return Graph(root, edges)
