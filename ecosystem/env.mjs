// Where the gateway under test is: PARLEY_URL (e.g. http://127.0.0.1:8080) and
// PARLEY_TOKEN ("Bearer <jwt>"), as .ci/ecosystem sets them from `serve --demo`.
export const url = required('PARLEY_URL').replace(/\/+$/, '');
export const authorization = required('PARLEY_TOKEN');
export const endpoint = `${url}/graphql`;

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run .ci/ecosystem, or start \`parley serve --demo\` and export it`);
  }
  return value;
}
