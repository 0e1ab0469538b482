/**
 * GPU-queue activity that reports what the polling node has. It runs only on GPU workers, so it
 * is also how an operator (or a workflow) checks that a GPU pool is alive and what it holds.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface GpuInfo {
  host: string;
  gpus: Array<{ index: number; name: string; memoryTotalMiB: number; memoryUsedMiB: number; utilizationPercent: number }>;
}

export function parseNvidiaSmi(csv: string): GpuInfo['gpus'] {
  return csv
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [index, name, total, used, util] = line.split(',').map((s) => s.trim());
      return {
        index: Number(index),
        name: name ?? 'unknown',
        memoryTotalMiB: Number(total),
        memoryUsedMiB: Number(used),
        utilizationPercent: Number(util),
      };
    });
}

export function createGpuActivities({ nvidiaSmi = 'nvidia-smi' }: { nvidiaSmi?: string } = {}) {
  async function probeGpu(): Promise<GpuInfo> {
    try {
      const { stdout } = await exec(nvidiaSmi, [
        '--query-gpu=index,name,memory.total,memory.used,utilization.gpu',
        '--format=csv,noheader,nounits',
      ]);
      return { host: os.hostname(), gpus: parseNvidiaSmi(stdout) };
    } catch (err) {
      throw ApplicationFailure.nonRetryable(`No usable GPU on ${os.hostname()}: ${(err as Error).message}`, 'NO_GPU');
    }
  }
  return { probeGpu };
}
