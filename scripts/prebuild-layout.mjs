// Where a prebuild's files go (see prebuild.mjs): prebuilds/<platform>-<arch>/ holds
// node.napi.node (found by node-gyp-build) and the MLX runtime it links, laid out as in the
// wheel so both rpaths resolve ($ORIGIN/mlx/lib for the addon, $ORIGIN/../../<backend>.libs
// for libmlx's own BLAS/LAPACK). A Metal build's mlx.metallib stays beside libmlx, where MLX
// looks for it. Pure file copying, so it is tested on Linux with a made-up macOS wheel.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Lays out one prebuild. `addon`: the built .node; `mlxPrefix`: the wheel's site-packages
 * (holding mlx/lib and any *.libs), or undefined to link an external MLX (MLX_DIR) unbundled.
 * Returns the destination folder and the files it holds, relative to it.
 */
export function layoutPrebuild({ root, platform, arch, addon, mlxPrefix }) {
  const dest = join(root, 'prebuilds', `${platform}-${arch}`);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(join(dest, 'mlx'), { recursive: true });
  cpSync(addon, join(dest, 'node.napi.node'));
  if (mlxPrefix) {
    cpSync(join(mlxPrefix, 'mlx', 'lib'), join(dest, 'mlx', 'lib'), { recursive: true });
    for (const d of readdirSync(mlxPrefix).filter((f) => f.endsWith('.libs'))) cpSync(join(mlxPrefix, d), join(dest, d), { recursive: true });
  }
  return { dest, metallib: existsSync(join(dest, 'mlx', 'lib', 'mlx.metallib')), files: listFiles(dest) };
}

function listFiles(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]).sort();
}
