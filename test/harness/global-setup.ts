// Placeholder: replaced by the harness that starts one real MLflow server per test run.
export default function setup(): void {}
