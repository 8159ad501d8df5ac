const fs=require('fs'),path=require('path');
const dir=path.dirname(require.resolve('pyodide/package.json'));
(async()=>{
  const {loadPyodide}=require(dir);
  let py=await loadPyodide({indexURL:dir+'/',_makeSnapshot:true});
  const snap=py.makeMemorySnapshot();
  fs.writeFileSync('/tmp/snap.bin',snap);
})();
