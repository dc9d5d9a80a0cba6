import { App } from 'aws-cdk-lib';
import { buildApp } from './service-app';

buildApp(new App());
