// Loads client configuration files into the real aws-amplify library (the version pinned in
// package-lock.json) the way an app does, and prints, as JSON, what the library understood:
// Amplify.getConfig() after Amplify.configure(file). Optionally signs a user in with the
// library's own signIn against a Cognito endpoint (the moto server in tests).
//
// usage: node amplify_config.mjs '{"files": [PATH...], "signIn": {"file": PATH, "username": U,
//        "password": P, "userPoolEndpoint": URL, "authFlowType": "USER_SRP_AUTH"}}'
// Used by tests/test_client_config_amplify.py.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signIn } from 'aws-amplify/auth';
import { parseAmplifyConfig } from 'aws-amplify/utils';

const require = createRequire(import.meta.url);
const version = require('aws-amplify/package.json').version;

async function readConfig(path) {
  const text = await readFile(path, 'utf8');
  if (path.endsWith('.js')) {
    // aws-exports.js is an ES module (`export default awsmobile`): import it as one.
    const module = await import('data:text/javascript;base64,' + Buffer.from(text).toString('base64'));
    return module.default;
  }
  return JSON.parse(text);
}

async function configure(path) {
  const raw = await readConfig(path);
  if (path.endsWith('amplify_outputs.json')) {
    // As the Gen 2 docs show for REST APIs: Amplify.configure with REST taken from custom.API.
    const parsed = parseAmplifyConfig(raw);
    Amplify.configure({ ...parsed, API: { ...parsed.API, REST: raw.custom?.API } });
  } else {
    Amplify.configure(raw);
  }
  return Amplify.getConfig();
}

function claims(token) {
  return token ? token.payload : null;
}

async function signInWith(request) {
  const config = await configure(request.file);
  // The Cognito endpoint of the emulator instead of cognito-idp.<region>.amazonaws.com.
  Amplify.configure({ ...config, Auth: { Cognito: { ...config.Auth.Cognito, userPoolEndpoint: request.userPoolEndpoint } } });
  const options = request.authFlowType ? { authFlowType: request.authFlowType } : undefined;
  const output = await signIn({ username: request.username, password: request.password, options });
  const session = await fetchAuthSession();
  return {
    isSignedIn: output.isSignedIn,
    nextStep: output.nextStep?.signInStep,
    idToken: claims(session.tokens?.idToken),
    accessToken: claims(session.tokens?.accessToken),
  };
}

function failure(error) {
  return { error: { name: error?.name, message: error?.message } };
}

const request = JSON.parse(process.argv[2]);
const result = { version, files: {} };
for (const path of request.files ?? []) {
  try {
    result.files[path] = { config: await configure(path) };
  } catch (error) {
    result.files[path] = failure(error);
  }
}
if (request.signIn) {
  try {
    result.signIn = await signInWith(request.signIn);
  } catch (error) {
    result.signIn = failure(error);
  }
}
console.log(JSON.stringify(result));
