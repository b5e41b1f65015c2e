// Structural checks of a layers-model topology before tfjs reads it: tfjs's loader trusts the file and can loop forever
// on a node that names a layer the model does not have, so every name and reference is checked here first.
import { UserError } from '../errors.js';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const CONTAINERS = new Set(['Model', 'Functional', 'Sequential']);

/** Throws a UserError naming `file` and the JSON path of the first problem in the topology `t`. */
export function checkTopology(t: Json, file: string): void {
  const fail = (path: string, what: string): never => {
    throw new UserError(`${file}: not a tfjs layers model: '${path}' ${what}`);
  };
  const container = (node: Json, path: string, depth: number): void => {
    if (depth > 16) fail(path, 'nests models too deeply');
    if (!isObject(node) || typeof node.class_name !== 'string') return fail(path, 'must be a layer with a class_name');
    if (!CONTAINERS.has(node.class_name)) return;
    const config = node.config;
    const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
    if (!Array.isArray(layers)) return fail(`${path}.config.layers`, 'must be an array');
    const names = new Set<string>();
    layers.forEach((layer, i) => {
      const at = `${path}.config.layers.${i}`;
      if (!isObject(layer) || typeof layer.class_name !== 'string') return fail(at, 'must be a layer with a class_name');
      if (!isObject(layer.config)) return fail(`${at}.config`, 'must be an object');
      const name = node.class_name === 'Sequential' ? layer.config.name ?? `#${i}` : layer.name;
      if (typeof name !== 'string') return fail(`${at}.name`, 'must be a string');
      if (names.has(name)) return fail(`${at}.name`, `repeats the layer name '${name}'`);
      names.add(name);
      container(layer, at, depth + 1);
    });
    if (node.class_name === 'Sequential') return;
    // Nodes per layer: one per inbound node, or the one node of an input layer (which has none).
    const nodeCount = new Map<string, number>();
    for (const layer of layers as Record<string, Json>[]) {
      if (!Array.isArray(layer.inbound_nodes)) continue;
      nodeCount.set(layer.name as string, layer.class_name === 'InputLayer' ? 1 : layer.inbound_nodes.length);
    }
    const ref = (r: Json, at: string): string => {
      if (!Array.isArray(r) || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || !Number.isInteger(r[2]) || r[2] < 0 || r[2] > 64) {
        return fail(at, 'must be [layer name, node index, tensor index]');
      }
      if (!names.has(r[0])) fail(at, `names a layer '${r[0]}' that the model does not have`);
      if (r[1] < 0 || r[1] >= (nodeCount.get(r[0]) ?? 0)) fail(at, `names node ${r[1]} of '${r[0]}', which has ${nodeCount.get(r[0]) ?? 0}`);
      return r[0];
    };
    const edges = new Map<string, string[]>();
    layers.forEach((layer, i) => {
      const { inbound_nodes: inbound, name } = layer as Record<string, Json>;
      if (!Array.isArray(inbound)) return fail(`${path}.config.layers.${i}.inbound_nodes`, 'must be an array');
      const from: string[] = [];
      inbound.forEach((nodeRefs, j) => {
        if (!Array.isArray(nodeRefs) || nodeRefs.length === 0) return fail(`${path}.config.layers.${i}.inbound_nodes.${j}`, 'must be a non-empty array');
        nodeRefs.forEach((r, k) => from.push(ref(r, `${path}.config.layers.${i}.inbound_nodes.${j}.${k}`)));
      });
      edges.set(name as string, from);
    });
    // The layer graph must be acyclic: a layer that (through others) feeds itself can never be built.
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') fail(`${path}.config.layers`, `has a cycle through '${name}'`);
      state.set(name, 'visiting');
      for (const next of edges.get(name) ?? []) visit(next);
      state.set(name, 'done');
    };
    for (const name of names) visit(name);
    for (const key of ['input_layers', 'output_layers']) {
      const list = (config as Record<string, Json>)[key];
      if (!Array.isArray(list) || list.length === 0) return fail(`${path}.config.${key}`, 'must be a non-empty array');
      list.forEach((r, i) => ref(r, `${path}.config.${key}.${i}`));
    }
  };
  // Keras-converted models wrap the topology as { model_config, keras_version, backend }.
  if (isObject(t) && isObject(t.model_config)) container(t.model_config, 'modelTopology.model_config', 0);
  else container(t, 'modelTopology', 0);
}
