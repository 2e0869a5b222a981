// Runs one autocannon load in its own process (options as JSON on stdin, result as JSON on stdout), so
// the benchmark process's CPU time (process.cpuUsage) is the server's alone.
import autocannon from 'autocannon';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const result = await autocannon(JSON.parse(input));
process.stdout.write(JSON.stringify(result));
