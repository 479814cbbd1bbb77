#!/usr/bin/env node
// Entry point for the built CLI (npm run build compiles src/ into dist/).
import '../dist/cli.js';
