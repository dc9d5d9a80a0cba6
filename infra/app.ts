import { App } from 'aws-cdk-lib';
import { checksContextKey, checksLevelOf } from './control-tower';
import { appProps, buildApp } from './service-app';

// The checks level is context (-c checks=…), which only an App reads: ask one that never synthesizes.
const checks = checksLevelOf(new App({ autoSynth: false }).node.tryGetContext(checksContextKey));
buildApp(new App(appProps(checks)));
