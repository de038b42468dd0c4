// A signing-pool worker that signs the stock library way (bench/stock-sign.ts), for bench/run.ts.
import { serveSigningRequests } from "../src/credentials/signing-pool.ts";
import { assertStockJsonld, stockSign } from "./stock-sign.ts";

assertStockJsonld();
serveSigningRequests(stockSign);
