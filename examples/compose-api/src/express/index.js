const express = require("express");
const http = require("http");

const app = express();
const port = process.env.PORT || 8080;

// On Fargate both containers share one network namespace: the Flask container is on localhost.
const pythonService = { host: "localhost", port: 5000 };

app.get("/images", (req, res) => {
  const options = { ...pythonService, method: "GET", path: "/images" };
  http
    .get(options, (upstream) => {
      let body = "";
      upstream.on("data", (chunk) => (body += chunk));
      upstream.on("end", () => res.status(upstream.statusCode).send(body));
    })
    .on("error", (error) => res.status(502).json({ error: error.message }));
});

// The secret arrives as the PASSWORD environment variable (from Secrets Manager).
app.get("/password-is-set", (req, res) => {
  res.json({ set: Boolean(process.env.PASSWORD) });
});

app.listen(port, () => {
  console.log(`express listening on port ${port}`);
});
