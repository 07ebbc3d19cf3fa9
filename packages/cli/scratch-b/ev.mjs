import * as models from "../../models/dist/index.js";
import { PRNG } from "../../core/dist/index.js";
import { readJsbDataset } from "../dist/index.js";
const data = readJsbDataset({ path: "/work/shared/data/jsb-chorales-quarter.json", from: "--data" });
for (const cell of [models.ssnu(), models.lstm()]) {
  const net = models.datasetNetwork(data, cell, 150);
  const params = net.init(new PRNG(0));
  for (const B of [1, 1, 4, 8, 16, 32]) {
    const t = performance.now();
    const v = models.evaluate(net, params, data.valid, B);
    console.log(cell.name, B, ((performance.now() - t) / 1000).toFixed(3), "s", v);
  }
}
