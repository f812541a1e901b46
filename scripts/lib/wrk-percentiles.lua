-- wrk reports 50/75/90/99 %; the fleet benchmark wants p95 too. Printed once at the end, in ms.
done = function(summary, latency, requests)
  io.write(string.format("percentiles-ms %.2f %.2f %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
