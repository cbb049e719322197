/** @type {import('next').NextConfig} */
const nextConfig = {
  // Generated pages reference remote images by their original URLs.
  images: { unoptimized: true },
};

export default nextConfig;
