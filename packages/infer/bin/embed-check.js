#!/usr/bin/env node
import { launch } from '@aae-map/shared/launch';

await launch(import.meta.url, 'check-cli');
