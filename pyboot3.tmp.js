const fs=require('fs'),path=require('path');
const dir=path.dirname(require.resolve('pyodide/package.json'));
(async()=>{
  const snap=fs.readFileSync('/tmp/snap.bin');
  const t=performance.now();
  const {loadPyodide}=require(dir);
  const p2=await loadPyodide({indexURL:dir+'/',_loadSnapshot:snap});
  p2.runPython('x=sum(range(10))');
  console.log('boot ms',(performance.now()-t).toFixed(0));
})();
