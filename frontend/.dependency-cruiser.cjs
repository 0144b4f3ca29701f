// Imports flow one way: app composes features; features use components/ and lib/ but never
// each other or app/; components/ and lib/ know no feature and no app.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-feature-to-other-feature",
      comment: "A feature does not import another feature: move the shared part to components/ or lib/, or let app/ compose them.",
      severity: "error",
      from: { path: "^src/features/([^/]+)/" },
      to: { path: "^src/features/", pathNot: "^src/features/$1/" },
    },
    {
      name: "no-feature-to-app",
      comment: "A feature does not import app/ (the router, providers, layout and guards compose features).",
      severity: "error",
      from: { path: "^src/features/" },
      to: { path: "^src/(app/|main\\.tsx)" },
    },
    {
      name: "no-shared-to-feature-or-app",
      comment: "components/ and lib/ are shared by every feature: they import no feature and no app.",
      severity: "error",
      from: { path: "^src/(components|lib)/" },
      to: { path: "^src/(features|app)/|^src/main\\.tsx" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
