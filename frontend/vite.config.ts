import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { compression } from "vite-plugin-compression2";

const here = dirname(fileURLToPath(import.meta.url));

// The API docs page (/api/docs) loads Swagger UI from our own origin, never a CDN: its two
// files are copied into dist/static/swagger and, like every text file the build writes,
// precompressed with gzip and brotli beside the original (the server picks one per request).
const swagger = ["swagger-ui-bundle.js", "swagger-ui.css"].map((file) => ({
  src: resolve(here, "node_modules/swagger-ui-dist", file),
  replace: (outDir: string, base: string) => join(outDir, "static/swagger", base),
}));

export default defineConfig({
  plugins: [
    react(),
    tailwindcss(),
    compression({ algorithms: ["gzip", "brotliCompress"], threshold: 1024, artifacts: () => swagger }),
  ],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: {
    proxy: {
      "/api/v1/socket": { target: "ws://127.0.0.1:8000", ws: true },
      "/api": "http://127.0.0.1:8000",
      "/healthz": "http://127.0.0.1:8000",
      "/static/swagger": "http://127.0.0.1:8000",
    },
  },
});
