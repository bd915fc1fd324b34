// What the report's script uses, exposed as one global: window.VaultgraphVendor.
import Graph from "graphology";
import Sigma, { DEFAULT_STYLES } from "sigma";
import FA2Layout from "graphology-layout-forceatlas2/worker";
import forceAtlas2 from "graphology-layout-forceatlas2";

window.VaultgraphVendor = { Graph: Graph, Sigma: Sigma, DEFAULT_STYLES: DEFAULT_STYLES, FA2Layout: FA2Layout, forceAtlas2: forceAtlas2 };
