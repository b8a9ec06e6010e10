// Vite config: dev server with a proxy to a local `playhouse serve`, and Vitest settings.
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

const backend = process.env.PLAYHOUSE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/v1": { target: backend, changeOrigin: true, ws: true },
      "/health": backend,
    },
  },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
