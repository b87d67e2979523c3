// The machine a comparison ran on, for the report: figures from different machines do not compare.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { javaVersion, zookeeperPackageVersion } from '../launch/zookeeper-install.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  os: string;
  kernel: string;
  node: string;
  java: string;
  zookeeper: string;
  /** 1-minute load average when the comparison began: above ~0.5, something else was running. */
  loadAverageAtStart: number;
  date: string;
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1]!;
  } catch {
    // not Linux, or no os-release
  }
  return process.platform;
}

export async function describeMachine(): Promise<MachineInfo> {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    kernel: release(),
    node: process.version,
    java: (await javaVersion()) ?? 'none',
    zookeeper: (await zookeeperPackageVersion()) ?? 'not installed',
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
    date: new Date().toISOString(),
  };
}
