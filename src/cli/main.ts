#!/usr/bin/env node
// The latentkit command line: one subcommand per task, each a thin layer over the library.
import { Command } from 'commander';
import '../node.js';
import { VERSION } from '../version.js';
import { trainCommand } from './train.js';
import { useCommands } from './use.js';
import { doctorCommand } from './doctor.js';
import { detectCommand } from './detect.js';
import { compressionCommands } from './compress.js';
import { probeCommand } from './probe.js';
import { latentPlotCommands } from './latent-plots.js';
import { serveCommand } from './serve.js';
import { exportCommand } from './export.js';
import { mergeCommand } from './merge.js';

const program = new Command('latentkit')
  .description('autoencoders and variational autoencoders on TensorFlow.js')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');
program.addCommand(trainCommand());
for (const cmd of useCommands()) program.addCommand(cmd);
program.addCommand(detectCommand());
program.addCommand(probeCommand());
for (const cmd of latentPlotCommands()) program.addCommand(cmd);
for (const cmd of compressionCommands()) program.addCommand(cmd);
program.addCommand(serveCommand());
program.addCommand(exportCommand());
program.addCommand(mergeCommand());
program.addCommand(doctorCommand());
await program.parseAsync(process.argv);
