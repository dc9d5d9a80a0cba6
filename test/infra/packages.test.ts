import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/constructs/prebuilt-assets';
import { patServiceEntries } from '../../infra/handlers';
import { packConstructs, packVerifier, verifierPackageDir } from '../../scripts/pack-packages';

/**
 * The published packages, used as a stranger would: in a temporary directory outside this
 * repository, the construct library installed from its tarball into a fresh CDK app
 * (test/infra/fixtures/consumer-app/app.mjs) that `cdk synth` (the repository's pinned CLI) runs with
 * cdk-nag, and the verifier package installed from its tarball into that app's Function URL code
 * (fixtures/consumer-app/verified-function). The CLI's tarball: test/e2e/cli-package.test.ts. Packing
 * builds the bundles, the console and the declarations: the slow step of this file (about a minute on
 * an idle 2-core machine).
 */
const work = mkdtempSync(join(tmpdir(), 'pat-packages-'));
const consumer = join(work, 'consumer-app');
const verifiedCode = join(consumer, 'verified-function');
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

let constructsTarball: string;
let verifierTarball: string;
let synth: { status: number | null; output: string };

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
const templateOf = (stack: string) => JSON.parse(readFileSync(join(consumer, 'cdk.out', `${stack}.template.json`), 'utf8')) as Template;
const functionsOf = (template: Template) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
/** The staged directory of a function's code asset, as the CLI would upload it. */
function stagedCode(stack: string, fn: { Properties: Record<string, any> }): string {
  const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
  const manifest = JSON.parse(readFileSync(join(consumer, 'cdk.out', `${stack}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  return join(consumer, 'cdk.out', manifest.files[hash]!.source.path);
}
const packagedBundle = (entry: string) =>
  readFileSync(join(consumer, 'node_modules', '@pat-service', 'pat-constructs', 'dist', 'functions', entry, 'index.mjs'), 'utf8');

beforeAll(async () => {
  constructsTarball = await packConstructs();
  mkdirSync(consumer);
  // The consumer's own aws-cdk-lib, constructs and cdk-nag, installed offline from the npm cache
  // (`npm ci` of this repository put their tarballs there) at the versions this repository pins,
  // then the library from its tarball, with its peers satisfied by them.
  const peers = consumerDependencies('consumer-app', ['aws-cdk-lib', 'constructs', 'cdk-nag']);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true, type: 'module', dependencies: peers.dependencies }),
  );
  writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(peers.lockfile));
  cpSync(join(projectRoot, 'test', 'infra', 'fixtures', 'consumer-app', 'app.mjs'), join(consumer, 'app.mjs'));
  writeFileSync(join(consumer, 'cdk.context.json'), JSON.stringify(publishedContext()));
  npm(['ci'], consumer);
  npm(['install', constructsTarball], consumer);
  // The Function URL's code: a handler of the consumer's, with the verifier installed from its
  // tarball (its dependencies and middy from the npm cache, at the versions tested here).
  verifierTarball = await packVerifier();
  const verifierManifest = JSON.parse(readFileSync(join(verifierPackageDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const code = consumerDependencies('verified-function', [...Object.keys(verifierManifest.dependencies), '@middy/core']);
  mkdirSync(verifiedCode);
  cpSync(join(projectRoot, 'test', 'infra', 'fixtures', 'consumer-app', 'verified-function', 'index.mjs'), join(verifiedCode, 'index.mjs'));
  writeFileSync(
    join(verifiedCode, 'package.json'),
    JSON.stringify({ name: 'verified-function', version: '1.0.0', private: true, type: 'module', dependencies: code.dependencies }),
  );
  writeFileSync(join(verifiedCode, 'package-lock.json'), JSON.stringify(code.lockfile));
  npm(['ci', '--omit=dev'], verifiedCode);
  npm(['install', verifierTarball], verifiedCode);
  const cdk = spawnSync(
    process.execPath,
    [join(projectRoot, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--app', 'node app.mjs', '-o', 'cdk.out', '--quiet'],
    {
      cwd: consumer,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
    },
  );
  synth = { status: cdk.status, output: `${cdk.stdout}${cdk.stderr}` };
}, 600_000);
// Removing the consumer's node_modules and three stacks' cdk.out can outlast the default 10 s hook timeout on a loaded machine.
afterAll(() => rmSync(work, { recursive: true, force: true }), 60_000);

/** The published settings as the CLI's SSM lookups would cache them for the consumer in account 222222222222. */
const published = {
  issuer: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
  'table-arn': 'arn:aws:dynamodb:eu-west-1:111122223333:table/pat-tokens',
  'table-name': 'pat-tokens',
  'signing-key-arn': 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  'previous-key-arns': '[]',
  'jwks-url': 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/.well-known/jwks.json',
  catalogue: JSON.stringify([{ name: 'orders', description: 'Orders' }]),
  policy: JSON.stringify({ allowNoExpiry: false, retentionDays: 30 }),
  'flusher-role-arn': 'arn:aws:iam::111122223333:role/flusher',
  'stage-registry-path': '/pat-service/PatService/Service/authorizer-stages',
};
function publishedContext(): Record<string, string> {
  const quote = (value: string) => value.replace(/\$/g, '$$').replace(/:/g, '$:');
  return Object.fromEntries(
    Object.entries(published).map(([name, value]) => {
      const parameterName = `arn:aws:ssm:eu-west-1:111122223333:parameter/pat-service/PatService/Service/verification/${name}`;
      return [`ssm:account=222222222222:parameterName=${quote(parameterName)}:region=eu-west-1`, value];
    }),
  );
}

type LockEntry = {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  inBundle?: boolean;
};

/**
 * A consumer's package.json dependencies and lockfile for these packages: their entries (and their
 * dependencies', resolved as Node does, bundled ones included) copied from this repository's lockfile,
 * so `npm ci --offline` installs exactly the versions tested here from the npm cache.
 */
function consumerDependencies(name: string, names: string[]) {
  const packages = (JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> })
    .packages;
  const resolveFrom = (from: string, name: string): string => {
    for (let base = from; ; base = base.includes('/node_modules/') ? base.slice(0, base.lastIndexOf('/node_modules/')) : '') {
      const key = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (packages[key]) return key;
      if (!base) throw new Error(`${from} depends on ${name}, which the lockfile does not hold`);
    }
  };
  const picked: Record<string, LockEntry> = {};
  const queue = names.map((name) => `node_modules/${name}`);
  for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
    if (picked[key]) continue;
    const entry = packages[key]!;
    picked[key] = entry;
    for (const dependency of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }))
      queue.push(resolveFrom(key, dependency));
    for (const [inside, bundled] of Object.entries(packages))
      if (inside.startsWith(`${key}/node_modules/`) && bundled.inBundle) picked[inside] = bundled;
  }
  const dependencies = Object.fromEntries(names.map((name) => [name, packages[`node_modules/${name}`]!.version]));
  const root = { name, version: '1.0.0', dependencies };
  return { dependencies, lockfile: { ...root, lockfileVersion: 3, requires: true, packages: { '': root, ...picked } } };
}

describe('the construct library, installed from its tarball into a fresh CDK app', () => {
  it('holds compiled JavaScript, declarations, an exports map and the prebuilt bundles, with aws-cdk-lib and constructs as peers', () => {
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', '@pat-service', 'pat-constructs', 'package.json'), 'utf8'));

    expect(manifest.exports['.']).toEqual({
      types: './dist/types/infra/index.d.ts',
      import: './dist/index.js',
      require: './dist/index.cjs',
    });
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(manifest.dependencies ?? {}).toEqual({});
    const installed = join(consumer, 'node_modules', '@pat-service', 'pat-constructs', 'dist');
    expect(readFileSync(join(installed, 'types', 'infra', 'index.d.ts'), 'utf8')).toContain('TokenAuthorizer');
    expect(readdirSync(join(installed, 'functions')).sort()).toEqual(readdirSync(join(projectRoot, 'dist', 'functions')).sort());
    // No TypeScript source, no esbuild: nothing is compiled in the consumer's app.
    expect(existsSync(join(consumer, 'node_modules', 'esbuild'))).toBe(false);
    expect(existsSync(join(consumer, 'node_modules', 'tsx'))).toBe(false);
  });

  it('synthesizes offline with cdk-nag, with no bundling step, on its own installed aws-cdk-lib', () => {
    for (const name of ['aws-cdk-lib', 'constructs', 'cdk-nag'])
      expect(lstatSync(join(consumer, 'node_modules', name)).isDirectory(), name).toBe(true);
    expect(synth.status, synth.output).toBe(0);
    expect(synth.output).not.toMatch(/Bundling asset/);
  });

  it("deploys the packaged authorizer bundle behind the consumer's own REST API", () => {
    const template = templateOf('ConsumerApi');
    const [authorizer] = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::ApiGateway::Authorizer');
    const [[functionId, fn]] = functionsOf(template) as [[string, Template['Resources'][string]]];

    expect(authorizer!.Properties.Type).toBe('REQUEST');
    expect(JSON.stringify(authorizer!.Properties.AuthorizerUri)).toContain(functionId);
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(readFileSync(join(stagedCode('ConsumerApi', fn), 'index.mjs'), 'utf8')).toBe(packagedBundle('authorizer'));
    // The very bundle this repository's own synth deploys: one build path.
    expect(packagedBundle('authorizer')).toBe(readFileSync(join(projectRoot, 'dist', 'functions', 'authorizer', 'index.mjs'), 'utf8'));
  });

  it('deploys PatService with every function from a packaged bundle', () => {
    const functions = functionsOf(templateOf('ConsumerService')).filter(
      ([, fn]) => fn.Properties.Runtime === 'nodejs22.x' && fn.Properties.Architectures?.[0] === 'arm64',
    );
    const bundles = readdirSync(join(projectRoot, 'dist', 'functions')).map(packagedBundle);

    expect(functions.length).toBe(patServiceEntries.length);
    for (const [, fn] of functions) expect(bundles).toContain(readFileSync(join(stagedCode('ConsumerService', fn), 'index.mjs'), 'utf8'));
  });

  it('synthesizes REST, HTTP API and Function URL consumers in another account from the published settings', () => {
    const template = templateOf('ConsumerOtherAccount');
    const ofType = (type: string) => Object.values(template.Resources).filter((resource) => resource.Type === type);

    expect(ofType('AWS::ApiGateway::Authorizer')[0]!.Properties.IdentitySource).toBe(
      'method.request.header.Authorization,context.identity.sourceIp',
    );
    expect(ofType('AWS::ApiGatewayV2::Authorizer')[0]!.Properties.IdentitySource).toEqual([
      '$request.header.Authorization',
      '$context.identity.sourceIp',
      '$context.routeKey',
    ]);
    expect(ofType('AWS::Lambda::Url')).toHaveLength(1);
    const issuers = functionsOf(template).map(
      ([, fn]) => fn.Properties.Environment?.Variables?.TOKEN_ISSUER ?? fn.Properties.Environment?.Variables?.PAT_ISSUER,
    );
    expect(issuers.filter((issuer) => issuer === published.issuer)).toHaveLength(3);
    // No stage flusher reaches another account: synth says so, with the real bound.
    expect(synth.output).toMatch(/its stage flusher cannot flush this account's APIs/);
  });
});

describe('the verifier package, installed from its tarball as the code of a Function URL', () => {
  const installed = join(verifiedCode, 'node_modules', '@pat-service', 'pat-verifier');

  it('ships its bundles and type declarations (relative imports with .js, for node16/nodenext consumers), and no CDK', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));

    expect(manifest.exports['.']).toEqual({ types: manifest.types, import: './dist/index.js', require: './dist/index.cjs' });
    const declarations = readFileSync(join(installed, manifest.types), 'utf8');
    expect(declarations).toMatch(/export declare function createTokenVerifier/);
    const specifiers = [...declarations.matchAll(/from ["'](\.[^"']+)["']/g)].map((match) => match[1]!);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const specifier of specifiers) expect(specifier).toMatch(/\.js$/);
    expect(readFileSync(join(installed, 'dist', 'index.js'), 'utf8')).toBe(
      readFileSync(join(verifierPackageDir, 'dist', 'index.js'), 'utf8'),
    );
    expect(existsSync(join(verifiedCode, 'node_modules', 'aws-cdk-lib'))).toBe(false);
  });

  it("is the code the consumer's Function URL deploys, and that code answers a request without a token 401 with the challenge", () => {
    const template = templateOf('ConsumerOtherAccount');
    const [, fn] = functionsOf(template).find(([id]) => id.startsWith('VerifiedFunction'))!;
    const staged = stagedCode('ConsumerOtherAccount', fn);

    expect(readFileSync(join(staged, 'index.mjs'), 'utf8')).toContain("from '@pat-service/pat-verifier'");
    expect(readFileSync(join(staged, 'node_modules', '@pat-service', 'pat-verifier', 'dist', 'index.js'), 'utf8')).toBe(
      readFileSync(join(installed, 'dist', 'index.js'), 'utf8'),
    );
    // The staged handler, run as Lambda would (its environment from the template, made concrete).
    const environment = Object.fromEntries(
      Object.entries(fn.Properties.Environment.Variables as Record<string, unknown>).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : published['table-arn'],
      ]),
    );
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { handler } = await import(${JSON.stringify(join(staged, 'index.mjs'))});
         const event = { headers: {}, requestContext: { http: { method: 'GET', path: '/orders', sourceIp: '203.0.113.7' } } };
         console.log(JSON.stringify(await handler(event, {})));`,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...environment }, timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const answer = JSON.parse(run.stdout.trim().split('\n').pop()!) as { statusCode: number; headers: Record<string, string> };
    expect(answer.statusCode).toBe(401);
    expect(Object.entries(answer.headers).find(([name]) => name.toLowerCase() === 'www-authenticate')?.[1]).toMatch(/^Bearer/);
  });

  it("lets the function read what verification needs (grantVerify), with the service's published settings as its PAT_* variables", () => {
    const template = templateOf('ConsumerOtherAccount');
    const [, fn] = functionsOf(template).find(([id]) => id.startsWith('VerifiedFunction'))!;
    const variables = fn.Properties.Environment.Variables;
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const actions = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles).includes(roleId))
      .flatMap((policy) =>
        policy.Properties.PolicyDocument.Statement.flatMap((statement: { Action: string | string[] }) => statement.Action),
      );

    expect(variables).toMatchObject({
      PAT_ISSUER: published.issuer,
      PAT_JWKS_URL: published['jwks-url'],
      PAT_TABLE_NAME: published['table-arn'],
    });
    expect([...new Set(actions)].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
  });
});
