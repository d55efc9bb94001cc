// The network view's graph: an enhancement over the table of links on the same page (which stays
// the accessible version). Draws the nodes and links the server put in data-elements.
import cytoscape from "../cytoscape/cytoscape.esm.min.mjs";

const holder = document.getElementById("network-graph");
if (holder) {
  const elements = JSON.parse(holder.dataset.elements || "[]");
  if (elements.length) {
    holder.hidden = false;
    cytoscape({
      container: holder,
      elements,
      layout: { name: "cose", animate: false },
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": 10, "background-color": "#1d70b8" } },
        { selector: "node[kind = 'context']", style: { shape: "round-rectangle", "background-color": "#00703c" } },
        { selector: "node[kind = 'person']", style: { shape: "diamond", "background-color": "#d4351c" } },
        { selector: "edge", style: { width: 1.5, "line-color": "#505a5f", "curve-style": "bezier" } },
      ],
    });
  }
}
